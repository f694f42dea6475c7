/*
 * What an import could not carry over, or carried over differently, and why: printed after the
 * import and kept beside the config it wrote.
 */

export interface Note {
  /** `dropped`: not carried over; `changed`: carried over in another form (the reason says how). */
  readonly kind: 'dropped' | 'changed';
  /** The export file (relative to the export directory) it comes from. */
  readonly file: string;
  readonly message: string;
}

export class Notes {
  readonly items: Note[] = [];

  dropped(file: string, message: string): void {
    this.items.push({ kind: 'dropped', file, message });
  }

  changed(file: string, message: string): void {
    this.items.push({ kind: 'changed', file, message });
  }

  /** The report as text, grouped by file. */
  format(): string {
    if (this.items.length === 0) return 'Everything in the export was carried over.\n';
    const byFile = new Map<string, Note[]>();
    for (const n of this.items) byFile.set(n.file, [...(byFile.get(n.file) ?? []), n]);
    let out = `${this.items.filter((n) => n.kind === 'dropped').length} item(s) not carried over, ${this.items.filter((n) => n.kind === 'changed').length} carried over differently:\n`;
    for (const [file, notes] of byFile) {
      out += `\n${file}\n`;
      for (const n of notes) out += `  ${n.kind === 'dropped' ? 'NOT CARRIED OVER' : 'changed'}: ${n.message}\n`;
    }
    return out;
  }
}
