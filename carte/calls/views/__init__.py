"""The call log's screens (calls) and the telephony settings (telephony)."""
