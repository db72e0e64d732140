package modelstore_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/tailsynth/tailsynth/generators/gangen/modelstore"
	"github.com/tailsynth/tailsynth/storage/local"
)

func Example() {
	dir, err := os.MkdirTemp("", "models")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	st, err := local.New(dir)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	models := modelstore.New(st)
	ctx := context.Background()
	meta := &modelstore.Meta{ID: "m_00000000000000aa", Generator: "wgan-gp", Kind: "image", Classes: []string{"common", "rare"}}
	if err := models.Put(ctx, meta, []byte("checkpoint bytes (gan.Model.Save)")); err != nil {
		log.Fatal(err)
	}
	b, m, err := models.Load(ctx, "m_00000000000000aa")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.ID, m.Classes, m.Checkpoint.Key, len(b), "bytes")
	// Output: m_00000000000000aa [common rare] m_00000000000000aa/model.tsm 33 bytes
}
