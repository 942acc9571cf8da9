/** Locates built native addons under libs/kernels/native/<which>/build/Release. */
import { fromRoot } from '../../core/src/paths';

/** Path of a native addon file. */
export function nativeAddonPath(which: 'cpu' | 'cuda', file: string): string {
  return fromRoot('libs', 'kernels', 'native', which, 'build', 'Release', file);
}
