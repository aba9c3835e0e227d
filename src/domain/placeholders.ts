/**
 * The one placeholder filler: "{clinicName}" in any text the bot sends becomes the
 * configured value. Unknown placeholders stay visible, so a typo shows up in review
 * instead of silently vanishing. The content check (src/content/validate.ts) accepts
 * exactly the names listed here, plus what a dialog saves.
 */
import type { Config } from '../config';

/** Each placeholder a text may use, and the setting it is filled from. */
const FROM_SETTINGS = {
  clinicName: 'CLINIC_NAME',
  clinicPhone: 'CLINIC_PHONE',
  bookingUrl: 'CLINIC_BOOKING_URL',
  emergencyNumber: 'EMERGENCY_NUMBER',
  urgentCareName: 'URGENT_CARE_NAME',
  urgentCareNumber: 'URGENT_CARE_NUMBER',
  urgentCareUrl: 'URGENT_CARE_URL',
} as const satisfies Record<string, keyof Config>;

type ClinicSettings = Pick<Config, (typeof FROM_SETTINGS)[keyof typeof FROM_SETTINGS]>;

/** The placeholders filled from the configuration. */
export const SETTING_PLACEHOLDERS: readonly string[] = Object.keys(FROM_SETTINGS);

function settingFor(key: string): keyof ClinicSettings | undefined {
  return Object.hasOwn(FROM_SETTINGS, key) ? FROM_SETTINGS[key as keyof typeof FROM_SETTINGS] : undefined;
}

/** Fills `{name}` from `extra` (a dialog's title, saved answers) or else the settings. */
export function fillPlaceholders(text: string, config: ClinicSettings, extra: Record<string, unknown> = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => {
    if (Object.hasOwn(extra, key)) return extra[key] !== undefined ? String(extra[key]) : whole;
    const setting = settingFor(key);
    const value = setting === undefined ? undefined : config[setting];
    return value !== undefined ? String(value) : whole;
  });
}
