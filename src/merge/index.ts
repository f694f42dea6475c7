export { rebase, rebaseChecked, transform, type RebaseResult } from './rebase.ts';
export { isLater, transformChangesets, transformPair, type TransformResult } from './transform.ts';
export { firstListPath, recoverChanges, type LocalLookup } from './recover.ts';
