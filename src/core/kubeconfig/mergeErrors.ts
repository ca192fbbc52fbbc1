// The errors of merging into a kubeconfig file (merge.ts), apart from the merge itself so that reporting them
// (the CLI's io.ts) does not load the file-writing code.

export type Section = 'cluster' | 'user' | 'context';

export interface Clash {
  section: Section;
  name: string;
}

/** Same-named entries with different content and the 'refuse' strategy. */
export class KubeconfigConflictError extends Error {
  constructor(
    readonly clashes: Clash[],
    target = 'the kubeconfig',
  ) {
    super(
      `${target} already has ${clashes.map((c) => `${c.section} "${c.name}"`).join(', ')} with different content. ` +
        'Nothing was changed. Choose another --name-prefix, or --on-conflict rename (adds "-2", "-3", ' +
        '...) or --on-conflict overwrite (replaces them).',
    );
    this.name = 'KubeconfigConflictError';
  }
}

/** A kubeconfig file that cannot be read or understood; it was left as it was. */
export class KubeconfigFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`Cannot merge into ${file}: ${problem}. The file was not changed; fix it, or merge into another file.`);
    this.name = 'KubeconfigFileError';
  }
}
