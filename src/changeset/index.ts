export { addToInt, applyChangeset, applyInstructions, type ObjectChange } from './apply.ts';
export { MAX_PATH_LENGTH, checkChangeset, checkInstruction, evolveSchema, resolvePath, type PathTarget } from './check.ts';
export {
  MAX_INSTRUCTIONS,
  MAX_VALUE_DEPTH,
  decodeChangeset,
  decodeInstruction,
  decodeValue,
  encodeChangeset,
  encodeInstruction,
  encodeValue,
  type EncodedChangeset,
  type EncodedInstruction,
} from './encoding.ts';
export { DEFAULT_MAX_CLOCK_SKEW_MS, HLC_EPOCH_MS, HybridClock, hlcFromWall, hlcWall, isValidTimestamp, maxTimestampAt } from './hlc.ts';
export {
  INSTRUCTION_OPS,
  hasPath,
  isListStructural,
  isSchemaInstruction,
  type AddField,
  type AddInteger,
  type AddType,
  type Changeset,
  type Clear,
  type CreateObject,
  type EraseObject,
  type Instruction,
  type InstructionOp,
  type ListErase,
  type ListInsert,
  type ListMove,
  type ObjectInstruction,
  type Path,
  type PathInstruction,
  type SchemaInstruction,
  type SetErase,
  type SetInsert,
  type SetInstr,
} from './instructions.ts';
export { ObjectState } from './state.ts';
export { SERVER_ORIGIN } from './origin.ts';
