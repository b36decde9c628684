import { loadConfig } from '../server/config.js';
import { createDb } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';

const handle = await createDb(loadConfig());
const applied = await migrateToLatest(handle.db);
console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
await handle.close();
