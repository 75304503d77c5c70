import type * as ssh2 from 'ssh2';

/*
 * ssh2's client and key parser, each from its own module. ssh2's index also
 * loads its server, the SFTP constants, the key generator and the HTTP
 * agents, and with them Node's http, https and tls: a client uses none of
 * them, and a CLI process would pay for loading them on every start. These
 * are ssh2 1.x's own files (lib/client.js, lib/protocol/keyParser.js); its
 * package has no "exports" map that would hide them, and ssh2Client.test.ts
 * checks they are what the index exports.
 */

/** ssh2's `Client`. */
export const Client: typeof ssh2.Client = require('ssh2/lib/client.js');
export type Client = ssh2.Client;

/** ssh2's `utils.parseKey`. */
export const parseKey: typeof ssh2.utils.parseKey = require('ssh2/lib/protocol/keyParser.js').parseKey;
