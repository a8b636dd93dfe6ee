// Public API of the export layer: SFT data for LLM simulators and recommenders (chat-format JSONL).
export {
  SFT_TASKS,
  isSftTask,
  exportSft,
  collectSft,
  exportableSamples,
  attributesAnswer,
  type SftTask,
  type SftMessage,
  type SftRecord,
  type SftMeta,
  type FeedbackMeta,
  type AttributesMeta,
  type TargetMeta,
  type RecommenderMeta,
  type ExportSftOptions,
} from './sft.js';
export { teacherFeedback, weightedOverlap, allowedItems, type TeacherFeedback } from './feedback-teacher.js';
export { teacherRanking, recommenderAnswer, type TeacherRanking, type RecommenderAnswer } from './recommender-teacher.js';
export { ATTRIBUTES_SYSTEM_PROMPT, TARGET_SYSTEM_PROMPT, renderAttributesPrompt, renderTargetPrompt, describeItem } from './prompts.js';
export { writeJsonlAtomic, type JsonlSummary } from './jsonl.js';
