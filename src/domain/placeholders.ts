/**
 * The one placeholder filler: "{clinicName}" in any text the bot sends becomes the
 * configured value. Unknown placeholders stay visible, so a typo shows up in review
 * instead of silently vanishing.
 */
import type { Config } from '../config';

type ClinicSettings = Pick<Config, 'CLINIC_NAME' | 'CLINIC_PHONE' | 'CLINIC_BOOKING_URL' | 'EMERGENCY_NUMBER' | 'URGENT_CARE_NAME' | 'URGENT_CARE_NUMBER' | 'URGENT_CARE_URL'>;

export function fillPlaceholders(text: string, config: ClinicSettings, extra: Record<string, unknown> = {}): string {
  const values: Record<string, unknown> = {
    clinicName: config.CLINIC_NAME,
    clinicPhone: config.CLINIC_PHONE,
    bookingUrl: config.CLINIC_BOOKING_URL,
    emergencyNumber: config.EMERGENCY_NUMBER,
    urgentCareName: config.URGENT_CARE_NAME,
    urgentCareNumber: config.URGENT_CARE_NUMBER,
    urgentCareUrl: config.URGENT_CARE_URL,
    ...extra,
  };
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => (values[key] !== undefined ? String(values[key]) : whole));
}
