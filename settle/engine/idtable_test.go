package engine

import (
	"fmt"
	"strings"
	"testing"
)

// TestIDTable interns ids that share their first eight bytes, differ only in
// length or are longer than a slot's length field, through several growths.
func TestIDTable(t *testing.T) {
	var ids []string
	for i := 0; i < 3000; i++ {
		switch i % 5 {
		case 0:
			ids = append(ids, fmt.Sprint(i))
		case 1:
			ids = append(ids, fmt.Sprintf("PREFIX00%d", i))
		case 2:
			ids = append(ids, strings.Repeat("x", 250+i%20)+fmt.Sprint(i))
		case 3:
			ids = append(ids, "\x00"+fmt.Sprint(i)) // zero bytes pad the head too
		default:
			ids = append(ids, fmt.Sprintf("PREFIX00%d\x00", i-3))
		}
	}
	var tab idTable
	tab.init(0)
	for i, id := range ids {
		if got, added := tab.insert([]byte(id)); !added || got != int32(i) {
			t.Fatalf("insert %q: %d, %v; want %d, added", id, got, added, i)
		}
	}
	for i, id := range ids {
		if got, ok := tab.find([]byte(id)); !ok || got != int32(i) {
			t.Fatalf("find %q: %d, %v; want %d", id, got, ok, i)
		}
		if got, added := tab.insert([]byte(id)); added || got != int32(i) {
			t.Fatalf("insert again %q: %d, %v", id, got, added)
		}
		for _, miss := range []string{id + "\x00", id[:len(id)-1], "\x00" + id} {
			if got, ok := tab.find([]byte(miss)); ok && ids[got] != miss {
				t.Fatalf("find %q found %q", miss, ids[got])
			}
		}
	}
}
