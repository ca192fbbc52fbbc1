// A credential's note: one short line of text the user gives it. Pure, and free of Node APIs, so the wizard page
// checks notes with the same rule as the CLI.

/** A note is one short line of text (it is an annotation, shown in lists). Pure. */
export function noteProblems(note: string | undefined): string[] {
  if (note === undefined) return [];
  if (note.length > 200)
    return [`The note is ${note.length} characters long; keep it under 200 (e.g. "github-actions deploy").`];
  if (/[\r\n]/.test(note)) return ['The note must be one line.'];
  return [];
}
