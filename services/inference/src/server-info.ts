/** What ServerMetadata reports. */
import * as fs from 'node:fs';
import { fromRoot } from '../../../libs/core/src/paths';

export const SERVER_NAME = 'bitplane';
/** The package version. */
export const SERVER_VERSION: string = (JSON.parse(fs.readFileSync(fromRoot('package.json'), 'utf8')) as { version: string }).version;
/** Protocol extensions served (Triton's names). */
export const SERVER_EXTENSIONS: readonly string[] = ['model_repository', 'streaming'];
