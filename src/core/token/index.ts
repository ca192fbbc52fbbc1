export * from './token';
export * from './kubeconfigFor';
