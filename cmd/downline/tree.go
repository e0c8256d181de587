package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"downline/ledger/member"
	"downline/network"
)

func newTreeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tree CODE",
		Short: "Print a member's sponsor (or placement) tree in the terminal",
		Args:  cobra.ExactArgs(1),
	}
	cfg := withDatabase(cmd)
	depth := cmd.Flags().Int("depth", 3, "levels to show below the member")
	placement := cmd.Flags().Bool("placement", false, "show the binary placement tree instead of the sponsor tree")
	limit := cmd.Flags().Int("limit", 500, "show at most this many members")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if *depth < 1 {
			return fmt.Errorf("--depth must be at least 1, got %d", *depth)
		}
		ctx := cmd.Context()
		db, err := cfg.openDB(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		tree := network.Sponsor
		if *placement {
			tree = network.Placement
		}
		nodes, truncated, err := member.View(ctx, db.Pool, tree, args[0], *depth, *limit)
		if err != nil {
			return err
		}
		printTree(cmd.OutOrStdout(), nodes)
		if truncated {
			fmt.Fprintf(cmd.OutOrStdout(), "(showing the first %d members; raise --limit to see more)\n", *limit)
		}
		return nil
	}
	return cmd
}

// printTree draws the view depth first with an explicit stack, so a deep view
// cannot overflow.
func printTree(out io.Writer, nodes []member.TreeNode) {
	type frame struct {
		ix     int
		prefix string
		last   bool
		root   bool
	}
	stack := []frame{{ix: 0, root: true}}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		n := nodes[f.ix]
		var line strings.Builder
		childPrefix := ""
		if !f.root {
			line.WriteString(f.prefix)
			if f.last {
				line.WriteString("└── ")
				childPrefix = f.prefix + "    "
			} else {
				line.WriteString("├── ")
				childPrefix = f.prefix + "│   "
			}
		}
		if n.Side != network.NoSide {
			fmt.Fprintf(&line, "[%s] ", n.Side)
		}
		fmt.Fprintf(&line, "%s %s", n.Code, n.Name)
		if n.Status != network.Active {
			fmt.Fprintf(&line, " (%s)", n.Status)
		}
		if n.More > 0 {
			fmt.Fprintf(&line, "  … %d more below", n.More)
		}
		fmt.Fprintln(out, line.String())
		for i := len(n.Children) - 1; i >= 0; i-- {
			stack = append(stack, frame{ix: n.Children[i], prefix: childPrefix, last: i == len(n.Children)-1})
		}
	}
}
