import { randomUUID } from "crypto";

/** A valid order (the product's message contract), unique by default; `overrides` replace or add fields. */
export function sampleOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orderId: `order-${randomUUID()}`,
    customerId: "customer-42",
    items: [
      { sku: "SKU-1", quantity: 2, unitPrice: 9.5 },
      { sku: "SKU-2", quantity: 1, unitPrice: 0 },
    ],
    currency: "EUR",
    createdAt: "2026-11-27T10:00:00Z",
    ...overrides,
  };
}

/** An order that breaks the contract (a lower-case currency): the function rejects it on every receive. */
export function poisonOrder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return sampleOrder({ currency: "eur", ...overrides });
}
