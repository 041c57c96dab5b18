export { type DevGithub, type DevGithubOptions, type PublishedStep, startDevGithub } from "./server";
export { writeZip } from "./zip";
