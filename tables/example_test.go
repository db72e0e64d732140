package tables_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/tailsynth/tailsynth/smote"
	"github.com/tailsynth/tailsynth/tables"
)

// Example reads a CSV table, grows its rare class with SMOTE-NC and writes
// the new rows as data.csv. A caller reading from storage passes the object
// twice (once to infer the schema, once to read), as store.Get twice.
func Example() {
	const data = `tx,amount,items,card,online,class
t1,12.5,1,debit,false,ok
t2,80,3,debit,true,ok
t3,43,2,credit,false,ok
t4,25,1,debit,false,ok
t5,950,7,credit,true,fraud
t6,700,5,credit,true,fraud
t7,820,6,prepaid,true,fraud
`
	part := func() []tables.CSVPart { return []tables.CSVPart{{Name: "data.csv", R: strings.NewReader(data)}} }
	s, err := tables.InferCSV(part(), tables.Options{Label: "class", Exclude: []string{"tx"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range s.Columns {
		fmt.Printf("%s: %s %s %v\n", c.Name, c.Type, c.Role, c.Levels)
	}
	r, err := tables.NewCSVReader(part(), s, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	enc := tables.NewEncoding(s)
	all, err := tables.Load(r, enc) // the whole table: SMOTE-NC needs every class
	if err != nil {
		fmt.Println(err)
		return
	}
	fraud := s.Columns[s.Index("class")].Code("fraud")
	res, err := smote.ResampleNC(context.Background(), all.Table, all.Y, map[int]int{fraud: 2}, smote.DefaultK, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	rows, err := enc.Decode(res.Table, "fraud")
	if err != nil {
		fmt.Println(err)
		return
	}
	w, err := tables.NewCSVWriter(os.Stdout, s)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := w.Write(rows); err != nil {
		fmt.Println(err)
		return
	}
	if err := w.Close(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// tx: categorical excluded [t1 t2 t3 t4 t5 t6 t7]
	// amount: numeric feature []
	// items: integer feature []
	// card: categorical feature [credit debit prepaid]
	// online: boolean feature [false true]
	// class: categorical label [fraud ok]
	// tx,amount,items,card,online,class
	// ,943.0368235649595,7,credit,true,fraud
	// ,756.4410154786035,5,credit,true,fraud
}
