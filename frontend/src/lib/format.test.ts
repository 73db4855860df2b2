import { describe, expect, it } from 'vitest';

import { formatMoney, formatMoneyShort, parseMoneyToCents, x12AmountToCents } from './format';

describe('money', () => {
  it('formats integer cents as dollars and cents', () => {
    expect(formatMoney(45000)).toBe('$450.00');
    expect(formatMoney(123456)).toBe('$1,234.56');
    expect(formatMoney(null)).toBe('—');
    expect(formatMoneyShort(150000)).toBe('$1,500');
    expect(formatMoneyShort(4510)).toBe('$45.10');
  });

  it('reads typed dollars to cents exactly, without float rounding', () => {
    expect(parseMoneyToCents('0.29')).toBe(29);
    expect(parseMoneyToCents('1,234.5')).toBe(123450);
    expect(parseMoneyToCents('$20')).toBe(2000);
    expect(parseMoneyToCents('12.345')).toBeNull();
    expect(parseMoneyToCents('abc')).toBeNull();
  });

  it('reads X12 decimal amounts, negative ones too', () => {
    expect(x12AmountToCents('100')).toBe(10000);
    expect(x12AmountToCents('-12.5')).toBe(-1250);
    expect(x12AmountToCents('0.07')).toBe(7);
    expect(x12AmountToCents('x')).toBeNull();
  });
});
