// Reads a data.parquet written by tables.ParquetWriter with hyparquet (an
// independent, pure-JavaScript Parquet reader) and checks its columns and
// values against want.json (written by TestHyparquetReadsParquet).
//
// Usage: node check_parquet.mjs data.parquet want.json
// hyparquet is found through NODE_PATH (scripts/test installs it into
// .cache/node/node_modules).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import path from 'node:path'

const [file, wantPath] = process.argv.slice(2)
// ES modules ignore NODE_PATH: resolve hyparquet from it by hand.
const dirs = (process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean)
const req = createRequire(path.join(dirs[0] || process.cwd(), 'noop.js'))
const { parquetReadObjects, parquetMetadata } = await import(pathToFileURL(req.resolve('hyparquet')).href)

const buf = readFileSync(file)
const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)
const want = JSON.parse(readFileSync(wantPath, 'utf8'))
const meta = parquetMetadata(ab)
const rows = await parquetReadObjects({ file: ab })
const errors = []
const names = meta.schema.slice(1).map((s) => s.name)
if (JSON.stringify(names) !== JSON.stringify(want.map((c) => c.name))) {
  errors.push(`columns: got ${JSON.stringify(names)}, want ${JSON.stringify(want.map((c) => c.name))}`)
}
if (rows.length !== want[0].values.length) {
  errors.push(`rows: got ${rows.length}, want ${want[0].values.length}`)
}
for (const c of want) {
  c.values.forEach((w, i) => {
    let g = rows[i]?.[c.name]
    if (g === undefined) g = null
    if (w === null || g === null) {
      if (w !== g) errors.push(`${c.name}[${i}]: got ${g}, want ${w}`)
      return
    }
    let ok
    switch (c.type) {
      case 'integer':
        ok = BigInt(g) === BigInt(w)
        break
      case 'numeric':
        ok = Number(g) === w
        break
      case 'boolean':
        ok = g === w
        break
      case 'datetime': {
        // want: Unix nanoseconds as a string. hyparquet gives a Date
        // (milliseconds): compare at its precision, and the rest is zero
        // or below it.
        const ns = BigInt(w)
        ok = g instanceof Date && BigInt(g.getTime()) === ns / 1000000n
        break
      }
      default:
        ok = String(g) === String(w)
    }
    if (!ok) errors.push(`${c.name}[${i}] (${c.type}): got ${g}, want ${w}`)
  })
}
if (errors.length) {
  console.error(errors.join('\n'))
  process.exit(1)
}
console.log(`hyparquet read ${rows.length} rows of ${names.length} columns as written`)
