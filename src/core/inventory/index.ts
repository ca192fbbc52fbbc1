export * from './parse';
export * from './read';
export * from './lifecycle';
export * from './kubeconfig';
