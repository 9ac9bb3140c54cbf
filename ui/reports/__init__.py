"""The Reports & Exports screen: its page of cards and the dialogs behind them (impact report,
Excel roster, import wizard)."""
