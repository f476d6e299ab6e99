select
    date_trunc('day', ordered_at) as revenue_date,
    count(*) as order_count,
    sum(subtotal) as gross_revenue,
    sum(discount_total) as discounts,
    sum(amount) as net_revenue,
    sum(gift_card_amount) as gift_card_revenue
from {{ ref('fct_orders') }}
where order_status not in ('returned', 'return_pending')
group by 1
