/** Offset → 1-based line lookups over one text (binary search over newline offsets). */
export class LineIndex {
  private readonly newlines: number[] = [];
  constructor(text: string) {
    for (let p = text.indexOf('\n'); p >= 0; p = text.indexOf('\n', p + 1)) this.newlines.push(p);
  }
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.newlines[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }
}
