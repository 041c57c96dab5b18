export { HYBRID_CODES, type HybridErrorCode } from "./codes";
export {
  MLDSA_ALGORITHM,
  MLDSA_PUBLIC_KEY_BYTES,
  MLDSA_SIGNATURE_BYTES,
  type MlDsaKeyPair,
  mlDsaKeyFromSeed,
  mlDsaKeyId,
  mlDsaVerifies,
  parseMlDsaSeed,
  signMlDsa,
  verifyMlDsaPublicKey,
} from "./mlDsa";
export {
  type DsseSignature,
  type HybridEnvelope,
  addMlDsaSignature,
  envelopePae,
  verifyEd25519Part,
  verifyHybridShape,
  verifyMlDsaPart,
} from "./hybridEnvelope";
export { type HybridPolicy, type HybridResult, verifyHybridEnvelope } from "./verifyHybrid";
export { SIG_TYPE_OTHER, mlDsaNoteKeyId, mlDsaNoteSigner, mlDsaNoteVerifier, verifyHybridNote } from "./noteMlDsa";
