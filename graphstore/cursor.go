package graphstore

import (
	"downline/network"
	"encoding/base64"
	"encoding/binary"
	"fmt"
)

// Cursor is where a downline page ended: the last member returned and its
// depth below Root. Stores may use it for DownlineQuery.Cursor so that a
// cursor is keyset-based (stable while the tree grows) rather than an offset.
type Cursor struct {
	Tree  network.Tree
	Root  network.MemberID // the member the query started at
	Depth int              // depth of After below Root
	After network.MemberID // last member of the previous page
}

const cursorVersion = 1

// Encode returns the cursor as an opaque URL-safe string.
func (c Cursor) Encode() string {
	b := make([]byte, 0, 32)
	b = append(b, cursorVersion, byte(c.Tree))
	b = binary.AppendUvarint(b, uint64(c.Depth))
	b = binary.AppendVarint(b, int64(c.Root))
	b = binary.AppendVarint(b, int64(c.After))
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a string made by Cursor.Encode. Errors: ErrBadCursor.
func DecodeCursor(s string) (Cursor, error) {
	bad := func(why string) (Cursor, error) {
		return Cursor{}, fmt.Errorf("%w: %s", ErrBadCursor, why)
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return bad("not base64url")
	}
	if len(b) < 2 || b[0] != cursorVersion {
		return bad("unknown version")
	}
	c := Cursor{Tree: network.Tree(b[1])}
	if c.Tree != network.Sponsor && c.Tree != network.Placement {
		return bad("unknown tree")
	}
	b = b[2:]
	depth, n := binary.Uvarint(b)
	if n <= 0 || depth == 0 || depth > 1<<31 {
		return bad("depth")
	}
	b = b[n:]
	root, n := binary.Varint(b)
	if n <= 0 || root <= 0 {
		return bad("root")
	}
	b = b[n:]
	after, n := binary.Varint(b)
	if n <= 0 || after <= 0 || n != len(b) {
		return bad("position")
	}
	c.Depth, c.Root, c.After = int(depth), network.MemberID(root), network.MemberID(after)
	return c, nil
}
