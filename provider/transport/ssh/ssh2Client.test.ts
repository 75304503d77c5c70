import * as ssh2 from 'ssh2';
import { Client, parseKey } from './ssh2Client';

describe("ssh2's client, from its own modules", () => {
  it("is the Client and parseKey that ssh2's index exports", () => {
    expect(Client).toBe(ssh2.Client);
    expect(parseKey).toBe(ssh2.utils.parseKey);
  });
});
