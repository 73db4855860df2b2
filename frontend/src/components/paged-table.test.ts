import { describe, expect, it } from 'vitest';

import { pagedTable, pagerText } from './paged-table';

describe('paged tables', () => {
  it('says "about" when the API only estimated the total', () => {
    expect(pagerText(1, 25, 1234)).toBe('1–25 of 1,234');
    expect(pagerText(26, 50, 1203456, true)).toBe('26–50 of about 1,203,456');
  });

  it("takes the page's records and total from the list query", () => {
    const query = { isFetching: false, data: { items: [{ id: 1 }], total: 5000, total_is_estimate: true } };
    const props = pagedTable(query, 2, () => undefined, 25);
    expect(props.records).toEqual([{ id: 1 }]);
    expect(props.totalRecords).toBe(5000);
    expect(props.page).toBe(2);
    expect(props.paginationText({ from: 26, to: 50, totalRecords: 5000 })).toBe('26–50 of about 5,000');
    expect(pagedTable({ isFetching: true }, 1, () => undefined, 25)).toMatchObject({ records: [], totalRecords: 0, fetching: true });
  });
});
