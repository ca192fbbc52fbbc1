export * from './objects';
export * from './preflight';
export * from './apply';
