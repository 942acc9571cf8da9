/** `bitplane backends`: which compute backends run here, and which one auto picks. */
import { Command } from 'commander';
import { backendStatuses, getBackend } from '../../libs/kernels/src';

/** Registers the command. */
export function register(program: Command): void {
  program
    .command('backends')
    .description('list compute backends (ts, cpu, cuda) and whether each can run here')
    .action(() => {
      for (const s of backendStatuses()) console.log(`${s.name.padEnd(5)} ${s.available ? 'available  ' : 'unavailable'} ${s.detail}`);
      console.log(`BITPLANE_BACKEND=${process.env.BITPLANE_BACKEND ?? 'auto'} selects: ${getBackend().describe()}`);
    });
}
