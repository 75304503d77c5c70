import { connectionLabel, type ProxyConnection } from '../connectionSchema';
import { loadAuthPlan } from './auth';
import type { HopPlan } from './dial';
import { loadHostKeyPolicy } from './hostKeyPolicy';

/** Read keys and known_hosts for one hop (target or jump host) of a parsed connection. */
export async function loadHopPlan(hop: ProxyConnection, onWarning: (message: string) => void): Promise<HopPlan> {
  const label = connectionLabel(hop);
  const [auth, hostKeys] = await Promise.all([
    loadAuthPlan({ ...hop, label }),
    loadHostKeyPolicy({ ...hop, label }, onWarning),
  ]);
  return {
    label,
    host: hop.host,
    port: hop.port,
    timeoutMs: hop.perDialTimeout * 1000,
    dialErrorLimit: hop.dialErrorLimit,
    auth,
    hostKeys,
  };
}
