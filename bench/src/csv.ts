/**
 * CSV tables like an export of an orders database (issue 10's dataset): a header line,
 * then rows with an increasing id and timestamp, customer and product codes, amounts,
 * a status and sometimes a quoted free-text note. Every value is drawn from a
 * {@link Prng}, so the same label always gives the same table.
 */
import type { Prng } from './prng.js';

const COUNTRIES = ['DE', 'FR', 'NL', 'BE', 'AT', 'CH', 'IT', 'ES', 'PL', 'SE', 'DK', 'GB', 'US', 'CA'] as const;
const REGIONS = ['north', 'south', 'east', 'west', 'central'] as const;
const STATUSES = ['paid', 'paid', 'paid', 'shipped', 'shipped', 'pending', 'refunded', 'cancelled'] as const;
const CHANNELS = ['web', 'web', 'app', 'store', 'phone', 'partner'] as const;
const CURRENCIES = ['EUR', 'EUR', 'EUR', 'USD', 'GBP', 'CHF', 'SEK'] as const;
const NOTES = [
  'gift wrap', 'leave at door', 'call before delivery', 'second attempt', 'damaged box, replaced',
  'customer asked for invoice', 'express', 'split shipment', 'address corrected', 'backorder',
] as const;

/** The header line of every table. */
export const CSV_HEADER = 'order_id,created_at,customer_id,country,region,sku,quantity,unit_price,total,currency,status,channel,note\n';

/** Produces rows with increasing ids and timestamps. */
export class CsvWriter {
  private id: number;
  private timeMs: number;

  constructor(
    private readonly p: Prng,
    firstId: number,
    startMs: number,
  ) {
    this.id = firstId;
    this.timeMs = startMs;
  }

  /** One row, ending in a newline. */
  row(): string {
    const p = this.p;
    this.id += 1 + p.int(3);
    this.timeMs += p.int(90_000);
    const qty = 1 + (p.chance(0.8) ? p.int(3) : p.int(40));
    const cents = 99 + p.int(50_000);
    const price = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
    const totalCents = cents * qty;
    const total = `${Math.floor(totalCents / 100)}.${String(totalCents % 100).padStart(2, '0')}`;
    const note = p.chance(0.15) ? `"${p.pick(NOTES)}${p.chance(0.3) ? `, ref ${p.u32().toString(36)}` : ''}"` : '';
    return [
      this.id,
      new Date(this.timeMs).toISOString(),
      `C${String(p.int(250_000)).padStart(7, '0')}`,
      p.pick(COUNTRIES),
      p.pick(REGIONS),
      `SKU-${p.int(5000).toString(16).toUpperCase().padStart(4, '0')}-${p.pick(['S', 'M', 'L', 'XL'])}`,
      qty,
      price,
      total,
      p.pick(CURRENCIES),
      p.pick(STATUSES),
      p.pick(CHANNELS),
      note,
    ].join(',') + '\n';
  }
}
