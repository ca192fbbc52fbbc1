export * from './errors';
export * from './kubeconfig';
export * from './client';
export * from './clientNode';
export * from './connect';
export * from './namespaces';
export * from './reviews';
export * from './util';
