package plan

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// closest returns the candidate a misspelt word most likely stands for, or ""
// when none is close: the fewest edits (case ignored, two swapped neighbours
// count as one edit) when they are at most a third of the longer word, or a
// candidate the word begins (at least 3 letters of it).
func closest(word string, candidates []string) string {
	w := strings.ToLower(word)
	best, bestD := "", -1
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := editDistance(w, lc)
		if d > max(1, max(utf8.RuneCountInString(w), utf8.RuneCountInString(lc))/3) {
			if utf8.RuneCountInString(w) < 3 || !strings.HasPrefix(lc, w) {
				continue
			}
		}
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// didYouMean is the hint after an unknown word: the closest candidate, else
// the list of them when list is set.
func didYouMean(word string, candidates []string, list bool) string {
	if c := closest(word, candidates); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	if list && len(candidates) > 0 {
		return " (known keys: " + strings.Join(candidates, ", ") + ")"
	}
	return ""
}

// editDistance counts the insertions, deletions, substitutions and swaps of
// adjacent letters that turn a into b (optimal string alignment).
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	// Three rows of the table: two back, one back and the current one.
	prev2, prev, cur := make([]int, len(y)+1), make([]int, len(y)+1), make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(y)]
}
