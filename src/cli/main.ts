// The `sa-kubeconfig` command line: a thin face over src/core.
process.stderr.write('sa-kubeconfig: the CLI is being built (see issue 3)\n');
process.exit(2);
