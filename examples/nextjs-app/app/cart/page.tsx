import { CartView } from './cart-view'

export const metadata = { title: 'Cart' }

export default function CartPage() {
  return (
    <div className="card">
      <h1>Shopping cart</h1>
      <p className="muted">
        No account needed: the proxy gave this browser a guest token on its first visit, and the
        backend keeps the cart per token. Log in and the guest cookie is cleared.
      </p>
      <CartView />
    </div>
  )
}
