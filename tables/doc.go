// Package tables reads and writes tabular datasets — CSV and Parquet files,
// or a list of part files of one schema — for the tabular generators
// (SMOTE-NC, SMOTE-N and the class-conditional tabular GAN). It knows nothing
// of HTTP, jobs or storage: it reads io.Readers (CSV) and io.ReaderAt with a
// size (Parquet), and writes io.Writers.
//
// # Column types and inference
//
// A column is Numeric, Integer, Categorical, Boolean, Datetime or Text
// (see [Type]). InferCSV reads every row once and, for each column, looks at
// its non-missing values only:
//
//  1. all parse as base-10 int64: Integer;
//  2. else all parse as float64: Numeric;
//  3. else all are true/false (also True/False, TRUE/FALSE): Boolean;
//  4. else all parse with one and the same datetime layout (RFC 3339,
//     "2006-01-02T15:04:05", "2006-01-02 15:04:05" with or without an
//     offset, the same to the minute, "2006-01-02"; fractional seconds
//     accepted): Datetime, remembering the layout;
//  5. else at most Options.MaxLevels distinct strings ("few": 64 by
//     default): Categorical, with those levels;
//  6. else Text, which is excluded as ID-like.
//
// For example, a column of 1, 2, NA is Integer with one missing value;
// 1, 2.5 is Numeric; yes, no is Categorical; 70 distinct names are Text.
//
// A column with no non-missing value is Numeric and excluded ("all values
// missing"). Integers stay Integer even with few values (a 0/1 flag): give
// an override to make such a column categorical. Parquet columns take their
// type from the file: BOOLEAN is Boolean; INT32/INT64 (plain or INT logical
// type) Integer; FLOAT/DOUBLE and DECIMAL on INT32/INT64 Numeric; TIMESTAMP
// and DATE Datetime; strings and ENUM Categorical or Text by the distinct
// count as above.
//
// Options.Types overrides a column's type; inference then checks every
// value against it and an error names the row and column of the first that
// does not fit. Options.Exclude keeps ID-like columns out of the model:
// they keep their inferred type, are read and carried in every chunk, and
// generated rows leave them empty (missing) — [Encoding.Decode] fills them
// with nothing, and the writers write whatever a caller puts there, so an
// integration that wants fresh IDs sets them before writing. The label
// column (Options.Label) and the split column (Options.Split) are always
// categorical (or boolean) with exact levels, and are not features.
//
// Missing values are the cells listed in [DefaultMissing] (the empty cell,
// NA, N/A, n/a, NaN, nan, null, NULL, None, <NA>) and Parquet nulls (and NaN
// in a Parquet float column). They are counted per column (Column.Missing,
// ColumnProfile.Missing), kept as missing in chunks, never dropped, and
// written back as empty cells or nulls. In the smote shape a categorical or
// boolean column with missing values gets a level of its own for them.
//
// Levels of categorical columns are sorted as imbalanced-learn's
// OrdinalEncoder (np.unique) sorts a pandas column: numerically when every
// level is a number, else by code point; the missing level comes last, as
// NaN does. SMOTE-N's tie-breaks depend on this order.
//
// # Memory
//
//   - InferCSV: one record, plus per column at most MaxLevels+1 distinct
//     strings (up to 65536 for the label, split and categorical overrides).
//   - InferParquet: the parts' footers, one page of one column at a time,
//     and the distinct values kept (as InferCSV).
//   - CSVReader: one chunk (chunkRows rows; 4096 by default) and
//     encoding/csv's buffer.
//   - ParquetReader: one chunk, the parts' footers, and parquet-go's buffers
//     for the pages being decoded in the current row group.
//   - Profile: one chunk, plus per column at most DistinctCap (10000)
//     distinct values and the per-class counts.
//   - Load: one chunk and the rows it keeps, 8 bytes per feature cell.
//   - CSVWriter: one record. ParquetWriter: the current row group's encoded
//     pages, at most ParquetRowGroupRows (65536) rows.
package tables
