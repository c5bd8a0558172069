// Every registered transport serves the contract exactly: right values, right errors, no hangs.
import { loadTransport, transports } from '../transports/registry.ts';
import { contractSuite } from './contract-suite.ts';
import { need } from './require.ts';

for (const entry of transports()) {
  const transport = await loadTransport(entry.name);
  contractSuite(transport, need(`${entry.name}'s broker`, (await transport.prepare?.()) ?? false));
}
