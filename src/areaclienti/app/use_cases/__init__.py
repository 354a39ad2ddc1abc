"""One module per customer journey. Each use case takes ports and plain values, never a request."""
