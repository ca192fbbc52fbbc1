// Moved to core/inventory (one implementation for reading service accounts). This re-export only keeps the
// committed wizard host compiling until its import of core/inventory is committed; then delete this file.
export { fetchServiceAccountDetails, fetchServiceAccountPage } from '../inventory';
