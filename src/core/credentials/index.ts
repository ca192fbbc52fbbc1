export * from './model';
export * from './ledger';
export * from './record';
export * from './issue';
export * from './list';
export * from './revoke';
export * from './rotate';
