package period

// SetPartLines makes runs split their lines in two from n lines on, so that
// tests of small periods write and read a set of two parts; the function
// returned restores the threshold.
func SetPartLines(n int) func() {
	old := partLines
	partLines = n
	return func() { partLines = old }
}
