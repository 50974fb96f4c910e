// Shapes of the LabelingView's synced traits and replies (the kernel's side is
// preannotate_lab/widgets/_labeling_view.py; results are model.result_to_dict's lossless form).

export interface LabelDef {
  value: string;
  background: string;
  hotkey: string | null;
  control: string | null;
  assertion: boolean;
  tag?: string;
}

export interface BoxDict {
  page: number | null;
  x: number;
  y: number;
  width: number;
  height: number;
}

interface ResultBase {
  id: string;
  /** a resource's confidence, 0..1 (OCR-style 0..100 is accepted too) */
  confidence?: number | null;
  /** the name some resources and imports use for the same thing */
  score?: number | null;
  source?: string | null;
  from_name?: string | null;
}

export interface SpanResult extends ResultBase {
  kind: "span";
  start: number;
  end: number;
  label: string;
  text: string;
  assertion?: string | null;
  boxes?: BoxDict[];
}

export interface ChoiceResult extends ResultBase {
  kind: "choice";
  labels: string[];
  span_id?: string | null;
}

export interface RelationResult extends ResultBase {
  kind: "relation";
  from_id: string;
  to_id: string;
  label?: string | null;
  direction: "right" | "left" | "bi";
}

export type Result = SpanResult | ChoiceResult | RelationResult;

export interface PageInfo {
  index: number;
  width: number;
  height: number;
}

export interface TaskInfo {
  id?: number;
  kind?: string;
  type?: string;
  title?: string | null;
  text?: string;
  pages?: PageInfo[];
  error?: string | null;
}

export interface PredictionInfo {
  id: number;
  version: number;
  created_at: string;
  model_version: string;
  server?: string | null;
  score?: number | null;
  n_results: number;
}

export interface CompletionInfo {
  id: number;
  created_by: string;
  created_at: string;
  updated_at: string | null;
  copied_from: number | null;
  ground_truth: boolean;
  n_results: number;
}

export interface Shown {
  kind?: "prediction" | "completion";
  id?: number;
}

export interface ChoiceDef {
  name: string;
  choices: string[];
  choice: string;
  per_region: boolean;
}

export interface RelationDef {
  value: string;
  allowed: string[];
}

export interface DiffSpan {
  start: number;
  end: number;
  label: string;
  text: string;
  assertion?: string | null;
}

export interface Diff {
  summary?: {
    added: number;
    removed: number;
    relabelled: number;
    unchanged: number;
    changed_choices: number;
    added_relations: number;
    removed_relations: number;
  };
  added?: DiffSpan[];
  removed?: DiffSpan[];
  relabelled?: { before: DiffSpan; after: DiffSpan }[];
  base?: { id: number; version: number };
}

export interface PageToken {
  i: number;
  text: string;
  start: number;
  end: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PageMeta {
  page: number;
  width: number;
  height: number;
  mime: string;
  tokens: PageToken[];
}

/** The synced traits of LabelingView, by name. */
export interface LabelingTraits {
  task_id: number | null;
  task: TaskInfo;
  label_defs: LabelDef[];
  relation_values: string[];
  relation_defs: RelationDef[];
  choice_defs: ChoiceDef[];
  assertion_values: string[];
  predictions: PredictionInfo[];
  completions: CompletionInfo[];
  shown: Shown;
  results: Result[];
  editable: boolean;
  dirty: boolean;
  compare_id: number | null;
  diff: Diff;
  page: number;
  zoom: number;
  message: string;
  message_level: string;
}
