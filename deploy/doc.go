// Package deploy holds example files for running Starling as a service: the
// hardened systemd unit for the bot, and a unit and timer for nightly
// backups. It has no code; its test keeps the units' hardening from being
// dropped by a later edit. Nothing imports it.
package deploy
