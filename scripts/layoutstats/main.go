// Command layoutstats prints the figures the README's Layout section
// quotes for a source tree: non-test Go lines per package, the largest
// functions, and which algorithm packages import another algorithm
// package.
//
//	go run ./scripts/layoutstats [-dir DIR] [-top N]
//
// Run it on an older checkout (git worktree add /tmp/old REV) to compare.
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// algorithms are the packages that do the science; they should read only
// shared I/O packages, not each other.
var algorithms = []string{"composite", "gan", "spectro", "smote", "quality", "augment"}

// owners are the generator adapters that wrap each algorithm for jobs.
var owners = map[string]string{
	"composite": "generators/compositegen", "gan": "generators/gangen", "spectro": "generators/spectrogen",
	"smote": "generators/smotegen", "augment": "generators/augmentgen",
}

func main() {
	dir := flag.String("dir", ".", "the module root")
	top := flag.Int("top", 10, "how many of the largest functions to list")
	flag.Parse()
	mod := modulePath(*dir)
	pkgLines := map[string]int{}
	type fn struct {
		name  string
		lines int
	}
	var fns []fn
	imports := map[string]map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(*dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != *dir && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules" || n == "scripts") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(*dir, filepath.Dir(path))
		pkgLines[rel] += strings.Count(string(src), "\n")
		f, err := parser.ParseFile(fset, path, src, 0)
		if err != nil {
			return err
		}
		for _, decl := range f.Decls {
			d, ok := decl.(*ast.FuncDecl)
			if !ok || d.Body == nil {
				continue
			}
			name := d.Name.Name
			if d.Recv != nil && len(d.Recv.List) == 1 {
				t := d.Recv.List[0].Type
				if s, ok := t.(*ast.StarExpr); ok {
					t = s.X
				}
				if id, ok := t.(*ast.Ident); ok {
					name = id.Name + "." + name
				}
			}
			n := fset.Position(d.End()).Line - fset.Position(d.Pos()).Line + 1
			fns = append(fns, fn{rel + " " + name, n})
		}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if q, ok := strings.CutPrefix(p, mod+"/"); ok {
				if imports[rel] == nil {
					imports[rel] = map[string]bool{}
				}
				imports[rel][strings.Split(q, "/")[0]] = true
			}
		}
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var pkgs []string
	total := 0
	for p, n := range pkgLines {
		pkgs = append(pkgs, p)
		total += n
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgLines[pkgs[i]] > pkgLines[pkgs[j]] })
	fmt.Printf("non-test Go lines: %d in %d packages; the largest:\n", total, len(pkgs))
	for _, p := range pkgs[:min(12, len(pkgs))] {
		fmt.Printf("  %6d  %s\n", pkgLines[p], p)
	}
	sort.Slice(fns, func(i, j int) bool { return fns[i].lines > fns[j].lines })
	fmt.Printf("largest functions (lines):\n")
	for _, f := range fns[:min(*top, len(fns))] {
		fmt.Printf("  %4d  %s\n", f.lines, f.name)
	}
	fmt.Printf("algorithm packages imported by packages other than their own adapter and evaluate:\n")
	var importers []string
	for p := range imports {
		importers = append(importers, p)
	}
	sort.Strings(importers)
	edges := 0
	for _, p := range importers {
		for _, a := range algorithms {
			if !imports[p][a] || p == a || strings.HasPrefix(p, a+"/") || owners[a] == p || p == "evaluate" {
				continue
			}
			fmt.Printf("  %s -> %s\n", p, a)
			edges++
		}
	}
	fmt.Printf("  %d edges\n", edges)
}

func modulePath(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if m, ok := strings.CutPrefix(line, "module "); ok {
			return strings.TrimSpace(m)
		}
	}
	return ""
}
