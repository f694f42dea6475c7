import { useEffect, useRef, useState, type ReactNode } from 'react';
import { limitMessage } from '../shared/limits.ts';

/*
 * Text that is saved when the person is done with it (blur or Enter), not on every keystroke:
 * one change per edit keeps the history short and makes "later write wins" mean what people
 * expect. While the field has focus, a change arriving from another device does not overwrite
 * what is being typed; once it loses focus it shows the stored value again.
 */
export function EditableText(props: {
  readonly value: string;
  readonly onSave: (value: string) => void;
  readonly label: string;
  readonly multiline?: boolean;
  readonly disabled?: boolean;
  readonly className?: string;
  readonly testId?: string;
  /** The most characters it takes (the input stops there and says so). */
  readonly maxLength: number;
}): ReactNode {
  const [draft, setDraft] = useState(props.value);
  const focused = useRef(false);
  useEffect(() => {
    if (!focused.current) setDraft(props.value);
  }, [props.value]);

  const commit = () => {
    focused.current = false;
    const next = props.multiline ? draft : draft.trim();
    if (next !== props.value && (props.multiline || next !== '')) props.onSave(next);
    else setDraft(props.value);
  };
  const common = {
    'aria-label': props.label,
    'data-testid': props.testId,
    className: props.className,
    value: draft,
    disabled: props.disabled,
    onFocus: () => (focused.current = true),
    onBlur: commit,
    maxLength: props.maxLength,
  };
  const limit = limitMessage(draft, props.maxLength);
  const hint = limit && <small className="limit" role="status">{limit}</small>;
  if (props.multiline)
    return (
      <>
        <textarea {...common} rows={3} onChange={(e) => setDraft(e.target.value)} />
        {hint}
      </>
    );
  return (
    <>
    <input
      {...common}
      type="text"
      onChange={(e) => setDraft(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') e.currentTarget.blur();
        if (e.key === 'Escape') {
          setDraft(props.value);
          focused.current = false;
          e.currentTarget.blur();
        }
      }}
    />
    {hint}
    </>
  );
}
