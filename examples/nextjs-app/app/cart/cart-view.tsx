'use client'

import { useCallback, useEffect, useRef, useState } from 'react'
import { api } from '@/lib/api'

type Product = { id: number; name: string; price: number }
type Cart = {
  owner: 'guest' | 'user'
  items: { productId: number; qty: number; product: Product }[]
  count: number
  total: number
}

export function CartView() {
  const [products, setProducts] = useState<Product[]>([])
  const [cart, setCart] = useState<Cart | null>(null)
  const [error, setError] = useState<string | null>(null)
  // Cart calls run one after another: quick clicks would otherwise race, and an answer that
  // lands late (the first load, an earlier add) would show a cart older than the backend's.
  const queue = useRef<Promise<unknown>>(Promise.resolve())
  const inTurn = useCallback((call: () => Promise<void>) => {
    queue.current = queue.current.then(call, call)
    return queue.current
  }, [])

  const load = useCallback(
    () =>
      inTurn(async () => {
        const [p, c] = await Promise.all([api<Product[]>('products'), api<Cart>('cart')])
        if (p.data) setProducts(p.data)
        if (c.success && c.data) setCart(c.data)
        else setError(c.message ?? 'Could not load the cart')
      }),
    [inTurn],
  )

  useEffect(() => {
    load()
  }, [load])

  const add = (productId: number) =>
    inTurn(async () => {
      const r = await api<Cart>('cart', {
        method: 'POST',
        body: JSON.stringify({ productId, qty: 1 }),
      })
      if (r.success && r.data) {
        setCart(r.data)
        setError(null)
      } else setError(r.message ?? `Could not add (${r.status})`)
    })

  return (
    <div>
      {error ? (
        <p className="alert" role="alert">
          {error}
        </p>
      ) : null}
      <table>
        <thead>
          <tr>
            <th>Product</th>
            <th>Price</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {products.map((p) => (
            <tr key={p.id}>
              <td>{p.name}</td>
              <td>${p.price}</td>
              <td>
                <button type="button" onClick={() => add(p.id)} data-testid={`add-${p.id}`}>
                  Add to cart
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>
        Your cart{' '}
        {cart ? (
          <span className="badge" data-testid="cart-owner">
            {cart.owner}
          </span>
        ) : null}
      </h2>
      {cart && cart.items.length > 0 ? (
        <ul data-testid="cart-items">
          {cart.items.map((i) => (
            <li key={i.productId}>
              {i.qty} × {i.product.name}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">Empty.</p>
      )}
      <p>
        Items: <strong data-testid="cart-count">{cart?.count ?? 0}</strong> — total $
        {cart?.total ?? 0}
      </p>
    </div>
  )
}
