"""Plain types every layer shares: accounts, messages, stored records (DESIGN.md, Layout)."""
