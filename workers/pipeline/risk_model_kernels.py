"""Compiled passes (numba) over the feature matrix for the model: its int8 input, the drift
bins, and the reasons of the pended claims (the rows varied, their top features and the JSON
text stored for them). Bit for bit what the numpy they replace gave; compiled and cached as
risk_kernels' are (workers/risk_plan.warm_kernels)."""

from __future__ import annotations

import numpy as np

from workers.pipeline.risk_kernels import compiled


@compiled
def quantize_rows(matrix, factor, offset, low, high):
    """int8 model input of the first len(factor) columns of `matrix` (rows x columns, any
    layout), row-major: each value times its column's factor plus its offset (float32),
    clipped to [low, high] and rounded half to even, as the numpy it replaces computed it."""
    rows, width = matrix.shape[0], len(factor)
    out = np.empty((rows, width), np.int8)
    for row in range(rows):
        for column in range(width):
            value = matrix[row, column] * factor[column] + offset[column]
            out[row, column] = np.int8(np.rint(min(max(value, low), high)))
    return out


@compiled
def bin_counts(matrix, rows, score, edges):
    """Per column of `matrix` (claims x columns, the first len(edges) - 1) and then of `score`
    (float64 per claim), over the claims `rows` (int64), how many values fall in each bin of
    that row of `edges` (one more bin than edges): a value's bin is the number of its edges
    not above it, as searchsorted side="right" counts them (NaN after every edge). int64,
    len(edges) x (edges + 1)."""
    columns, cuts = edges.shape
    counts = np.zeros((columns, cuts + 1), np.int64)
    count = len(rows)
    values, bins = np.empty(count), np.empty(count, np.int32)
    for column in range(columns):  # a column's values gathered, then compared edge by edge
        if column == columns - 1:  # over all of them (a loop the compiler vectorizes)
            for at in range(count):
                values[at] = score[rows[at]]
        else:
            for at in range(count):
                values[at] = np.float64(matrix[rows[at], column])
        bins[:] = 0
        for cut in range(cuts):
            edge = edges[column, cut]
            for at in range(count):
                bins[at] += not values[at] < edge
        for at in range(count):
            counts[column, bins[at]] += 1
    return counts


@compiled
def _write_decimal(out, at, units):
    """Write units / 10,000 in decimal (at most 4 decimals, trailing zeros dropped, at least
    one: what Python's repr gives a float rounded to 4 decimals) at out[at:]; the new end."""
    if units < 0:
        out[at] = 45  # "-"
        at += 1
        units = -units
    whole, fraction = units // 10_000, units % 10_000
    digits = 1
    while whole // 10**digits:
        digits += 1
    for place in range(digits - 1, -1, -1):
        out[at] = 48 + (whole // 10**place) % 10
        at += 1
    out[at] = 46  # "."
    at += 1
    decimals = 4
    while decimals > 1 and fraction % 10 == 0:
        fraction //= 10
        decimals -= 1
    for place in range(decimals - 1, -1, -1):
        out[at] = 48 + (fraction // 10**place) % 10
        at += 1
    return at


@compiled
def reason_json(feature, value, drop, head, head_end, middle, middle_end):
    """The JSON text (ASCII bytes, and each row's end in them) of each row's reasons: its
    features (int64, rows x k, best first) whose score drop, in units of 1/10,000 (int64),
    is above 0, each as {"feature": name, "value": value, "typical": typical, "score_drop":
    drop}, value in units of 1/10,000. head[head_end[f - 1]:head_end[f]] is feature f's text up
    to its value, middle[...] its text between the value and the drop."""
    rows, reasons = feature.shape
    size = 2 * rows + 1
    for row in range(rows):
        for slot in range(reasons):
            index = feature[row, slot]
            size += head_end[index] - (head_end[index - 1] if index else 0) + 60
            size += middle_end[index] - (middle_end[index - 1] if index else 0)
    out = np.empty(size, np.uint8)
    ends = np.empty(rows, np.int64)
    at = 0
    for row in range(rows):
        out[at] = 91  # "["
        at += 1
        first = True
        for slot in range(reasons):
            if drop[row, slot] <= 0:
                continue
            index = feature[row, slot]
            if not first:
                out[at] = 44  # ","
                at += 1
            first = False
            for byte in range(head_end[index - 1] if index else 0, head_end[index]):
                out[at] = head[byte]
                at += 1
            at = _write_decimal(out, at, value[row, slot])
            for byte in range(middle_end[index - 1] if index else 0, middle_end[index]):
                out[at] = middle[byte]
                at += 1
            at = _write_decimal(out, at, drop[row, slot])
            out[at] = 125  # "}"
            at += 1
        out[at] = 93  # "]"
        at += 1
        ends[row] = at
    return out[:at], ends


@compiled
def varied_rows(quantized, typical):
    """For each value of the int8 rows (rows x features) that differs from the typical row's,
    in row-major order: a copy of its row with that value replaced by the typical one, and
    the row and feature it varies (np.nonzero's order)."""
    rows, width = quantized.shape
    count = 0
    for row in range(rows):
        for column in range(width):
            count += quantized[row, column] != typical[column]
    varied = np.empty((count, width), np.int8)
    which_row, which_column = np.empty(count, np.int64), np.empty(count, np.int64)
    at = 0
    for row in range(rows):
        for column in range(width):
            if quantized[row, column] != typical[column]:
                varied[at] = quantized[row]
                varied[at, column] = typical[column]
                which_row[at], which_column[at] = row, column
                at += 1
    return varied, which_row, which_column


@compiled
def reason_figures(rows, base, varied_score, which_row, which_column, reasons):
    """Per row (rows x features, float32), the `reasons` features whose replacement by the
    typical value lowers its score most (np.argsort(-drop, kind="stable")'s first: ties in
    feature order, features not varied dropping 0), and each one's value and drop (the
    row's score `base` minus the varied row's) in units of 1/10,000, as numpy rounds them
    to 4 decimals (int64, rows x reasons each)."""
    count, width = rows.shape
    drop = np.zeros((count, width))
    for index in range(len(which_row)):
        drop[which_row[index], which_column[index]] = base[which_row[index]] - varied_score[index]
    top = np.empty((count, reasons), np.int64)
    values = np.empty((count, reasons), np.int64)
    drops = np.empty((count, reasons), np.int64)
    taken = np.zeros(width, np.bool_)
    for row in range(count):
        taken[:] = False
        for slot in range(reasons):
            best = -1
            for column in range(width):
                if not taken[column] and (best < 0 or drop[row, column] > drop[row, best]):
                    best = column
            taken[best] = True
            top[row, slot] = best
            values[row, slot] = np.int64(np.rint(np.float64(rows[row, best]) * 10_000))
            drops[row, slot] = np.int64(np.rint(drop[row, best] * 10_000))
    return top, values, drops
