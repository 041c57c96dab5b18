export { DEV_TSA_PATH, type DevTsa, type DevTsaOptions, startDevTsa } from "./devTsa";
export { parseTimestampRequest } from "./parseTimestampRequest";
