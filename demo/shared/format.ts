/** Dates as a technician reads them: "today", "tomorrow", "3 days late", else the date. */
export function dueLabel(due: Date, now = new Date()): string {
  const day = 86_400_000;
  const start = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const days = Math.round((start(due) - start(now)) / day);
  if (days === 0) return 'due today';
  if (days === 1) return 'due tomorrow';
  if (days === -1) return '1 day late';
  if (days < 0) return `${-days} days late`;
  if (days < 7) return `due in ${days} days`;
  return `due ${due.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })}`;
}

export function timeLabel(d: Date): string {
  return d.toLocaleString(undefined, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

/** `yyyy-mm-dd` for an <input type="date">, in local time. */
export function dateInputValue(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** An <input type="date"> value → noon local time that day (noon: no timezone can move it to another day). */
export function fromDateInput(value: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12) : null;
}
