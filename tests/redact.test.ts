import { describe, expect, it } from 'vitest';
import { redact, redactDeep } from '../src/storage/redact';

const cases: Record<string, [string, string][]> = {
  email: [
    ['email me at jane.doe+calf@example.co.uk please', 'email me at [email] please'],
    ['J_SMITH@Clinic-Mail.org', '[email]'],
  ],
  'UK phone': [
    ['call 07700 900123', 'call [phone]'],
    ['or +44 7700 900123', 'or [phone]'],
    ['office 020 7946 0000', 'office [phone]'],
    ['(020) 7946 0000 is home', '[phone] is home'],
    ['+44 (0)20 7946 0000', '[phone]'],
    ['mobile 07700900123.', 'mobile [phone].'],
  ],
  'US phone': [
    ['(555) 123-4567', '[phone]'],
    ['call 555-123-4567 today', 'call [phone] today'],
    ['+1 555 123 4567', '[phone]'],
    ['555.123.4567', '[phone]'],
  ],
  'date of birth': [
    ['dob 12/03/1985', 'dob [dob]'],
    ['1985-03-12', '[dob]'],
    ['I was born on 3 March 1985.', 'I was born on [dob].'],
    ['DOB 03.12.85', 'DOB [dob]'],
    ['date of birth: 3rd of March 1985', 'date of birth: [dob]'],
    ['born March 3, 1985', 'born [dob]'],
    ['born in 1985', 'born in [dob]'],
  ],
  address: [
    ['I live at 12 Baker Street, London', 'I live at [address], London'],
    ['221B Baker St', '[address]'],
    ['1600 Pennsylvania Avenue NW', '[address]'],
    ['my address is 4 station road', 'my address is [address]'],
  ],
  'UK postcode': [
    ['postcode SW1A 1AA', 'postcode [postcode]'],
    ['M1 1AE', '[postcode]'],
    ['ec1a 1bb', '[postcode]'],
  ],
  'US ZIP': [
    ['Beverly Hills, CA 90210', 'Beverly Hills, CA [zip]'],
    ['1600 Pennsylvania Avenue NW, Washington, DC 20500', '[address], Washington, DC [zip]'],
    ['zip 12345-6789', 'zip [zip]'],
    ['my zip code is 90210', 'my zip code is [zip]'],
    ['12345-6789', '[zip]'],
  ],
  name: [
    ['my name is John Smith and my calf hurts', 'my name is [name] and my calf hurts'],
    ['Hi, my name is sarah.', 'Hi, my name is [name].'],
    ["I'm called Bob", "I'm called [name]"],
    ['this is Dr Jane Foster speaking', 'this is [name] speaking'],
  ],
};

describe('redact', () => {
  for (const [kind, list] of Object.entries(cases)) {
    it(`redacts ${kind}`, () => {
      for (const [input, expected] of list) expect(redact(input), input).toBe(expected);
    });
  }

  it('leaves exercise and symptom numbers alone', () => {
    const untouched = [
      'do 30 reps', 'hold for 20-30 seconds', 'recovery takes 2-12 weeks', '3 sets of 15, 2 x 10 a day', 'pain is 7/10',
      'it started 3 days ago at 10:30', 'I ran 5 miles down the road', 'a 20 minutes drive', 'since 2019', 'walked 10000 steps',
      'I am 45 years old', 'ran 12345 metres', 'call me back please', 'do it x2 3rd time', 'on 12/3 I ran 5km', '3 sets on the way home',
    ];
    for (const text of untouched) expect(redact(text), text).toBe(text);
  });

  it('redacts several kinds in one message', () => {
    expect(redact('My name is Ann Lee, DOB 1985-03-12, phone 07700 900123, email ann@example.com, 10 Downing Street, SW1A 2AA'))
      .toBe('My name is [name], DOB [dob], phone [phone], email [email], [address], [postcode]');
  });

  it('redacts every string in nested values', () => {
    expect(redactDeep({ a: ['me@x.org', 3, { b: '555-123-4567' }], n: null, ok: true })).toEqual({ a: ['[email]', 3, { b: '[phone]' }], n: null, ok: true });
  });

  it('handles empty input', () => {
    expect(redact('')).toBe('');
  });
});
