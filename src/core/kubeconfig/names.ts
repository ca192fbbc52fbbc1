// Names of the entries in a generated kubeconfig. Pure string functions (no js-yaml, no Buffer), so the wizard page
// can show the names the CLI and the extension will write.

/** Default prefix for entry names, as documented on KubeconfigOptions.namePrefix. */
export function defaultNamePrefix(context: string, serviceAccount: string): string {
  return `${context}-${serviceAccount}`;
}

/** Context names: "<prefix>" for a single namespace, "<prefix>-<namespace>" each when there are several. */
export function contextNames(namePrefix: string, namespaces: string[]): string[] {
  return namespaces.length <= 1 ? [namePrefix] : namespaces.map((ns) => `${namePrefix}-${ns}`);
}
