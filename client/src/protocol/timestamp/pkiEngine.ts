import { webcrypto } from "node:crypto";
import * as pkijs from "pkijs";

/** pkijs's crypto engine over Node's WebCrypto, passed explicitly instead of relying on a global. */
export const pkiEngine = new pkijs.CryptoEngine({ name: "node", crypto: webcrypto as unknown as Crypto });
