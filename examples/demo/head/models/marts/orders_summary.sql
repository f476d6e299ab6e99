select
    cast(ordered_at as date) as order_date,
    count(order_id) as order_count,
    count(distinct customer_id) as customer_count,
    sum(amount) as amount_paid
from {{ ref('fct_orders') }}
group by 1
